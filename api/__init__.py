"""The REST API of SPEC §9. Views are thin: serializers check the shape of a request, the services
in workflows/ decide everything else, and api.errors turns every failure into one JSON shape."""
