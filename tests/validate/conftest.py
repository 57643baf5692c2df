from tests.validate.fixtures import out  # noqa: F401  (fixture)
