import sys

from fashion_pipeline.cli import main

sys.exit(main())
