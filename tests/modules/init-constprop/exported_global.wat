;; The flag is an exported mutable global: the host may write it.
;; test module-pass init-constprop
;; removed: nothing
;; changed: nothing
;; note: global gv0: not a candidate: exported (the host may write it)
(module
  (global $busy (export "busy") (mut i32) (i32.const 1))
  (func (export "_initialize") (global.set $busy (i32.const 0)))
  (func (export "entry") (param i32) (result i32)
    (if (result i32) (global.get $busy) (then (i32.const -1)) (else (local.get 0)))))
