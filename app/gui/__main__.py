import sys

from app.gui import main

sys.exit(main())
