"""`python -m cervix_watch` runs the same CLI as the `cervix-watch` console script."""

from cervix_watch.cli.app import main

main()
