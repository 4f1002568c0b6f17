DROP TABLE product_images;
DROP TABLE search_queue;
