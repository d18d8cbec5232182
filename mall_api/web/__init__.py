"""The mall in a browser: pages for the public, suppliers, purchasing units and departments.

Pages are Jinja2 shells (mall_api/templates/site_*.html) and plain ES modules (mall_api/static/):
everything they show or do goes through the public HTTP and websocket API of API.md. The statistics
page is the exception that proves it: its charts are drawn on the server, as SVG, from the same
projections `GET /api/stats` reads, so they can be read without scripts.
"""
