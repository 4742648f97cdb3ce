"""Tests of app/: the Streamlit interface, its privacy and the browser."""
