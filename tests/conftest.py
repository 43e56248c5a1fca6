import os, sys
from pathlib import Path
ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent/'shared'
sys.path.insert(0, str(ROOT))
