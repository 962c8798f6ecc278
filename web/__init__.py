"""The web face: the customers' cabinet and the staff's pages, on aiohttp (see web/app.py)."""
