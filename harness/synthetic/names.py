"""Word lists the generator draws from; the awkward entries are deliberate edge cases."""

FIRST_NAMES = (
    "Alice",
    "Ben",
    "Chloe",
    "David",
    "Emma",
    "Finn",
    "Grace",
    "Harry",
    "Isla",
    "Jack",
    "Katie",
    "Liam",
    "Mia",
    "Noah",
    "Olivia",
    "Paul",
    "Ruby",
    "Sam",
    "Tara",
    "Will",
)
LAST_NAMES = (
    "Smith",
    "Jones",
    "Taylor",
    "Brown",
    "Williams",
    "Wilson",
    "Johnson",
    "Davies",
    "Murphy",
    "Kelly",
    "O'Brien",
    "Walsh",
    "Garcia",
    "Miller",
    "Clarke",
    "Evans",
)
COMPANY_SUFFIXES = ("Ltd", "Holdings", "Logistics", "Shipping", "Estates", "Partners")

# Policyholders whose names reach the JSON metadata: non-ASCII letters are fine for
# both sides; a double quote or a backslash breaks the legacy side's hand-built JSON.
NON_ASCII_NAMES = (
    "Zoë Müller",
    "José Núñez",
    "Łukasz Wróbel",
    "Søren Østergaard",
    "François Lefèvre",
    "山田 太郎",
    "Ångström Marine AB",
)
QUOTE_NAMES = ('Acme "Marine" Ltd', 'The "Old Mill" Partnership', 'Harbour "Seven" Estates')
BACKSLASH_NAMES = ("Back\\Slash Holdings", "Dir\\Path Logistics", "A\\B Trading")

DESCRIPTION_EXTRAS = (
    'per broker note "urgent"',
    "ref C:\\claims\\batch",
    "Prämie für Müller & Söhne",
    "réduction appliquée",
)
