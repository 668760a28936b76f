;; Nothing here is inlined: `fact` is recursive; `sum` has a loop (the
;; checker executes only loop-free bodies in place); `shared` is called
;; twice and is not tiny; `exported` has one call but is exported (it must
;; stay, so inlining would copy it); `slot` has one call but sits in a
;; table (an indirect call may reach it).
;; test module-pass inline
;; changed: nothing
;; removed: nothing
;; probe-seeds: 0 1 5 -3
(module
  (table 1 funcref)
  (elem (i32.const 0) func $slot)
  (func $fact (param i32) (result i32)
    (if (result i32) (i32.le_s (local.get 0) (i32.const 1))
      (then (i32.const 1))
      (else (i32.mul (local.get 0) (call $fact (i32.sub (local.get 0) (i32.const 1)))))))
  (func $sum (param i32) (result i32) (local i32)
    (block $out (loop $l
      (br_if $out (i32.le_s (local.get 0) (i32.const 0)))
      (local.set 1 (i32.add (local.get 1) (local.get 0)))
      (local.set 0 (i32.sub (local.get 0) (i32.const 1)))
      (br $l)))
    (local.get 1))
  (func $shared (param i32) (result i32)
    (i32.add (i32.mul (local.get 0) (i32.const 3)) (i32.xor (local.get 0) (i32.const 9))))
  (func $exported (export "exported") (param i32) (result i32)
    (i32.add (i32.mul (local.get 0) (i32.const 3)) (i32.xor (local.get 0) (i32.const 9))))
  (func $slot (param i32) (result i32)
    (i32.add (i32.mul (local.get 0) (i32.const 5)) (i32.xor (local.get 0) (i32.const 9))))
  (func (export "main") (param i32) (result i32)
    (i32.and (local.get 0) (i32.const 7))
    (call $fact)
    (call $sum (i32.and (local.get 0) (i32.const 63)))
    i32.add
    (call $shared (local.get 0)) i32.add
    (call $shared (i32.const 4)) i32.add
    (call $exported (local.get 0)) i32.add
    (call $slot (local.get 0)) i32.add))
