from lapak.cli import main
import sys
sys.exit(main())
