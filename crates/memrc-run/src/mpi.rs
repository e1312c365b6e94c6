//! Networks on several processes with MPI (feature `mpi`; rsmpi over the system's MPI library,
//! e.g. Debian's OpenMPI): [`World`] implements [`memrc::net::exchange::Exchange`] with
//! `MPI_Allgather` (the lengths) and `MPI_Allgatherv` (the data) on `MPI_COMM_WORLD`.
//!
//! `mpirun -np K memrc run model.toml` loads the model on every rank as that rank's share
//! ([`memrc_io::LoadOptions::partition`]), runs it with [`crate::run_on`] and writes the output
//! on rank 0. MPI is initialised with `MPI_THREAD_FUNNELED`: only the thread that called
//! [`World::init`] calls MPI (the engine's worker threads never do).

use memrc::net::exchange::Exchange;
use mpi::datatype::PartitionMut;
use mpi::topology::{Communicator, SimpleCommunicator};
use mpi::traits::CommunicatorCollectives;

/// MPI, initialised for this process, and its world communicator.
pub struct World {
    // Declared before `_universe`: the communicator is dropped before MPI_Finalize.
    world: SimpleCommunicator,
    _universe: mpi::environment::Universe,
}

impl std::fmt::Debug for World {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "World(rank {} of {})",
            self.world.rank(),
            self.world.size()
        )
    }
}

impl World {
    /// Initialises MPI (once per process; `None` if it was initialised before or the MPI
    /// library refused the funnelled threading level).
    pub fn init() -> Option<World> {
        let (universe, level) = mpi::initialize_with_threading(mpi::Threading::Funneled)?;
        if level < mpi::Threading::Funneled {
            return None;
        }
        Some(World {
            world: universe.world(),
            _universe: universe,
        })
    }

    /// Waits until every rank got here (`MPI_Barrier`).
    pub fn barrier(&self) {
        self.world.barrier();
    }

    /// Ends every rank at once with `code` (`MPI_Abort`): for a failure that the other ranks
    /// cannot learn of through a collective, so that none waits forever.
    pub fn abort(&self, code: i32) -> ! {
        self.world.abort(code)
    }
}

impl Exchange for World {
    fn rank(&self) -> usize {
        usize::try_from(self.world.rank()).unwrap_or(0)
    }

    fn ranks(&self) -> usize {
        usize::try_from(self.world.size()).unwrap_or(1)
    }

    fn all_gather_u64(&self, local: &[u64], out: &mut Vec<u64>, counts: &mut Vec<usize>) {
        self.gather(local, out, counts);
    }

    fn all_gather_u32(&self, local: &[u32], out: &mut Vec<u32>, counts: &mut Vec<usize>) {
        self.gather(local, out, counts);
    }
}

impl World {
    /// `MPI_Allgather` of the lengths, then `MPI_Allgatherv` of the data.
    fn gather<T: mpi::datatype::Equivalence + Default + Clone>(
        &self,
        local: &[T],
        out: &mut Vec<T>,
        counts: &mut Vec<usize>,
    ) {
        let n = self.ranks();
        let mut lens = vec![0i32; n];
        let mine = i32::try_from(local.len()).unwrap_or_else(|_| self.abort(70));
        self.world.all_gather_into(&mine, &mut lens[..]);
        let mut displs = Vec::with_capacity(n);
        let mut total = 0i32;
        for &l in &lens {
            displs.push(total);
            total = total.checked_add(l).unwrap_or_else(|| self.abort(70));
        }
        out.clear();
        out.resize(usize::try_from(total).unwrap_or(0), T::default());
        {
            let mut part = PartitionMut::new(&mut out[..], &lens[..], &displs[..]);
            self.world.all_gather_varcount_into(local, &mut part);
        }
        counts.clear();
        counts.extend(lens.iter().map(|&l| usize::try_from(l).unwrap_or(0)));
    }
}
