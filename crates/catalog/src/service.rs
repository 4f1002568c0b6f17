//! Catalogue use cases: categories, products, product curation, import, reindex.
