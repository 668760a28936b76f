;; Callees first: `c` goes into `b`, then `b` (with `c` in it) into `a`.
;; The check of `a` runs the original `b` and `c` in place (two levels).
;; Multiple results travel through the join block's parameters.
;; test module-pass inline
;; changed: fn1 fn2
;; removed: nothing
;; note: function 1 (`b`): 1 calls inlined (fn0)
;; note: function 2 (`a`): 1 calls inlined (fn1)
;; probe-seeds: 0 3 -9 65535
;; check: func $a
;; not: call
(module
  (func $c (param i32) (result i32 i32)
    (if (result i32 i32) (local.get 0)
      (then (i32.const 1) (local.get 0))
      (else (i32.const 2) (i32.const 3))))
  (func $b (param i32) (result i32)
    (call $c (i32.xor (local.get 0) (i32.const 5))) i32.sub)
  (func $a (export "a") (param i32) (result i32)
    (i32.mul (call $b (local.get 0)) (i32.const 3))))
