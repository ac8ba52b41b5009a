"""`python -m evalplus.evaluate`, unmodified, for checking the stage against the reference.

The only difference from the console script is that the HF `datasets` module, which evalplus.data
imports at module level for downloads that never happen here, is stubbed when it is not installed.
Runs outside the sandbox: give it trusted samples only.
"""

import sys
import types

try:
    import datasets  # noqa: F401
except ImportError:
    sys.modules["datasets"] = types.SimpleNamespace(load_dataset=None)

from evalplus.evaluate import main  # noqa: E402

sys.argv[0] = "evalplus.evaluate"
main()
