"""The audio stage: decode, measure (BS.1770), gain + true-peak limiting, encode — streaming."""
