"""The app's pages, run by ``st.navigation``.

Not named ``pages/``: Streamlit would load such a folder as pages on its own.
"""
