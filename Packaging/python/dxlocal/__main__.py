"""`python -m dxlocal ...` runs the bundled binary as the `dxlocal` console script does."""

from ._cli import main

main()
