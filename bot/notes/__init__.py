"""Lookout notes: what people write down about a day of their data (`/lookout note`, the "Add as note" shortcut),
kept in Lookout's database; `manage` is the one path to add, list and remove them."""
