;; A memory nobody uses or exports goes with its in-bounds active data; an
;; unused passive segment goes and `memory.init`/`data.drop` follow the
;; renumbering of the one that stays.
;; test module-pass module-dce
;; removed: mem1 data0 data1
;; check: (memory $m (;0;) 1)
;; check: memory.init $used
;; check: data.drop $used
;; not: $scratch
(module
  (memory $m 1)
  (memory $scratch 1)
  (func $init (export "init") (result i32)
    (memory.init $m $used (i32.const 8) (i32.const 0) (i32.const 2))
    (data.drop $used)
    (i32.load16_u $m (i32.const 8)))
  (data $to_scratch (memory $scratch) (i32.const 65530) "123456")
  (data $unused "zz")
  (data $used "\01\02"))
