"""`python -m ardoise.demo.bench` (`make bench`)."""

from ardoise.demo.bench.runner import main

main()
