"""The HP memristor's pinched hysteresis loop at several frequencies.

Strukov et al. (2008), "The missing memristor found", Nature 453: 80-83, Fig. 2: driven by
v(t) = sin(2 pi f t) V, the TiO2 memristor's current-voltage curve is a loop pinched at the
origin whose lobes shrink as the frequency grows (the state cannot follow a fast drive, and the
device tends to a fixed resistor). memrc's `hp` element is that model with linear dopant drift;
`hp-joglekar` adds the window that keeps the state inside [0, 1].

Run (needs `pip install ./crates/memrc-py matplotlib`):

    python examples/python/hp_loops.py             # writes hp_loops.png
    python examples/python/hp_loops.py --show      # opens a window instead
"""

import argparse

import matplotlib.pyplot as plt
import numpy as np

import memrc

FREQUENCIES_HZ = [0.5, 1, 2, 5, 20]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kind", default="hp", help="hp, hp-joglekar, hp-biolek, ...")
    parser.add_argument("--out", default="hp_loops.png")
    parser.add_argument("--show", action="store_true")
    args = parser.parse_args()

    el = memrc.element(args.kind)
    fig, (loops, areas) = plt.subplots(1, 2, figsize=(11, 4.5))
    for f in FREQUENCIES_HZ:
        # Two periods, 1000 samples per period; the second period is the periodic loop.
        r = el.drive("sine", amplitude="1 V", frequency=f, periods=2, dt=1 / (1000 * f))
        second = r.t >= 1 / f
        loops.plot(r.v[second], 1e3 * r.i[second], label=f"{f:g} Hz")
        sweep = r.reports["hysteresis_sweep"]["points"]
        areas.loglog(
            [p["frequency"] for p in sweep],
            [p["area"] for p in sweep],
            "o-",
            alpha=0.6,
            label=f"sweep around {f:g} Hz",
        )
        print(
            f"{f:5g} Hz: loop area {r.summary['per_port'][0]['loop_area'] / 2:.4e} V*A per period, "
            f"pinched {r.summary['pinched']}, passive {r.summary['passive']}, "
            f"co-content identity {r.summary['cocontent_identity_rel_error']:.1e}"
        )
    loops.set_xlabel("v [V]")
    loops.set_ylabel("i [mA]")
    loops.set_title(f"memrc '{el.kind}': pinched hysteresis, 1 V sine")
    loops.axhline(0, color="k", lw=0.5)
    loops.axvline(0, color="k", lw=0.5)
    loops.legend()
    areas.set_xlabel("frequency [Hz]")
    areas.set_ylabel("loop area per period [V*A]")
    areas.set_title("the loop shrinks as the frequency grows")
    fig.tight_layout()
    if args.show:
        plt.show()
    else:
        fig.savefig(args.out, dpi=120)
        print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
