DROP TABLE product_prices;
DROP TABLE products;
DROP TABLE categories;
