DROP TABLE addenda;
DROP TABLE shipments;
DROP TABLE negotiation_rounds;
DROP TABLE order_lines;
DROP TABLE orders;
DROP TABLE number_sequences;
DROP TABLE budgets;
DROP TABLE cart_lines;
