"""`python -m crossmusim ...`, which torchrun runs: `torchrun --nproc-per-node N -m crossmusim train ...`."""

from crossmusim.cli.app import main

main()
