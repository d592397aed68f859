"""The analyst app (Streamlit): pages hold layout and widgets; logic lives in the package."""

from pathlib import Path

APP_SCRIPT = Path(__file__).parent / "main.py"
"""The script ``workbench app`` hands to ``streamlit run``."""
