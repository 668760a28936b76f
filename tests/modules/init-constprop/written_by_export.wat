;; The flag is cleared by `_initialize` but set back to 1 by another
;; export: not constant after initialization, nothing folds.
;; test module-pass init-constprop
;; removed: nothing
;; changed: nothing
;; note: global gv0: not folded: fn1 (`pause`) writes another value after initialization
(module
  (global $busy (mut i32) (i32.const 1))
  (func (export "_initialize") (global.set $busy (i32.const 0)))
  (func $pause (export "pause") (global.set $busy (i32.const 1)))
  (func (export "entry") (param i32) (result i32)
    (if (result i32) (global.get $busy) (then (i32.const -1)) (else (local.get 0)))))
