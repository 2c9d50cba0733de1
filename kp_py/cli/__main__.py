"""``python -m kp_py.cli``: the ``kp`` command."""

from kp_py.cli import main

main()
