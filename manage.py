#!/usr/bin/env python
from himaya.cli import main

if __name__ == "__main__":
    main()
