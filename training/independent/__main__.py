from training.independent.cli import main

raise SystemExit(main())
