;; The flag is an imported mutable global: another module may write it.
;; test module-pass init-constprop
;; removed: nothing
;; changed: nothing
;; note: global gv0: not a candidate: imported (another module may write it)
(module
  (import "env" "busy" (global $busy (mut i32)))
  (func (export "_initialize") (global.set $busy (i32.const 0)))
  (func (export "entry") (param i32) (result i32)
    (if (result i32) (global.get $busy) (then (i32.const -1)) (else (local.get 0)))))
