"""`python -m ardoise.demo.bench` (`make bench`)."""

from ardoise.demo.bench import main

main()
