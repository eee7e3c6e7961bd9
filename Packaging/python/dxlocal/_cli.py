"""The `dxlocal` console script: runs the bundled binary with the same arguments."""

import os
import sys

from . import binary


def main() -> None:
    path = binary()
    os.execv(path, [path, *sys.argv[1:]])
