;; Passive element segments: the one `table.init` reads stays (with its
;; function), an unused one goes with its function, and `table.init` and
;; `elem.drop` follow the renumbering.
;; test module-pass module-dce
;; removed: fn2 elem0
;; check: (elem $used (;0;) func $seven)
;; check: table.init $used
;; check: elem.drop $used
;; not: $unused_seg
(module
  (type $r (func (result i32)))
  (table $t 1 funcref)
  (func $main (export "main") (result i32)
    (table.init $t $used (i32.const 0) (i32.const 0) (i32.const 1))
    (elem.drop $used)
    (call_indirect $t (type $r) (i32.const 0)))
  (func $seven (result i32) (i32.const 7))
  (func $orphan (result i32) (i32.const 8))
  (elem $unused_seg func $orphan)
  (elem $used func $seven))
