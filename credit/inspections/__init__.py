"""Random inspections (双随机、一公开): directories, conflicts, reproducible draws, results."""
