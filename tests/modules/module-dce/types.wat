;; Types only dead functions use go; `call_indirect`'s type index follows.
;; test module-pass module-dce
;; removed: fn1 sig0
;; check: (type $used (;0;) (func (param i32) (result i32)))
;; check: call_indirect (type $used)
;; not: $unused
(module
  (type $unused (func (param f32)))
  (type $used (func (param i32) (result i32)))
  (table $t 1 funcref)
  (func $main (export "main") (param i32) (result i32)
    (call_indirect $t (type $used) (local.get 0) (i32.const 0)))
  (func $dead (type $unused))
  (func $id (type $used) (local.get 0))
  (elem (table $t) (i32.const 0) func $id))
