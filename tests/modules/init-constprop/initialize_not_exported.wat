;; `_initialize` is not exported (no init order is known for it): the start
;; function alone initializes (flag 0), and `$_initialize`, called by the
;; export `setup` after initialization, writes 1: nothing folds.
;; test module-pass init-constprop
;; removed: nothing
;; changed: nothing
;; note: global gv0: not folded: fn1 (`_initialize`) writes another value after initialization
(module
  (global $busy (mut i32) (i32.const 2))
  (func $start (global.set $busy (i32.const 0)))
  (start $start)
  (func $_initialize (global.set $busy (i32.const 1)))
  (func (export "setup") (call $_initialize))
  (func (export "entry") (param i32) (result i32)
    (if (result i32) (global.get $busy) (then (i32.const -1)) (else (local.get 0)))))
