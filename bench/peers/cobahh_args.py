"""The command-line flags that every one-run COBAHH peer script takes (cobahh_brian2.py,
cobahh_nest.py): network size, simulated time [s], threads, seed and connection probability."""

import argparse


def parser():
    """An argument parser with --n, --t-end [s], --threads, --seed and --p; a script adds its own."""
    p = argparse.ArgumentParser()
    p.add_argument("--n", type=int, default=4000)
    p.add_argument("--t-end", type=float, default=1.0)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--p", type=float, default=0.02)
    return p
