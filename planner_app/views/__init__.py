"""The app's pages, one file each, run as scripts by `st.navigation` (see ../app.py)."""
