"""The HTTP service: the checkout API (``/v1``), operations endpoints and the buyers' pages.

``create_app`` builds one Flask app; each component registers itself with an
``init_app(app)``: problem details, health, the versioned API, the pages.
"""
