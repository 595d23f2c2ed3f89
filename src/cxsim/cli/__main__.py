"""``python -m cxsim.cli ...`` runs the ``cxsim`` command."""

from cxsim.cli import main

main()
