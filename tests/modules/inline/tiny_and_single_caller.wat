;; A tiny helper (one instruction besides its return) is copied into both
;; of its callers; a single-caller function with branches, a store, a
;; global write and a trapping division moves into its caller. With
;; module-dce after it, both callees go. The checker proves each caller
;; against the original calls run with the callees' bodies.
;; test module-pass inline,module-dce
;; changed: fn1 fn2 fn3
;; removed: fn0 fn1
;; note: function 1 (`once`): 1 calls inlined (fn0)
;; note: function 2 (`f2`): 2 calls inlined (fn0, fn1)
;; probe-seeds: 0 1 -5 7 100
;; check: (func (;0;)
;; not: call
;; check: i32.div_s
(module
  (memory 1)
  (global $g (mut i32) (i32.const 0))
  (func $sq (param i32) (result i32) (i32.mul (local.get 0) (local.get 0)))
  (func $once (param i32 i32) (result i32)
    (if (result i32) (i32.lt_u (local.get 0) (local.get 1))
      (then (i32.store (local.get 0) (local.get 1)) (i32.load (local.get 1)))
      (else (global.set $g (local.get 0))
            (i32.div_s (call $sq (local.get 1)) (i32.sub (local.get 0) (i32.const 7))))))
  (func (export "main") (param i32 i32) (result i32)
    (i32.add (call $sq (local.get 0)) (call $once (local.get 0) (local.get 1))))
  (func (export "g") (param i32) (result i32)
    (i32.add (global.get $g) (call $sq (local.get 0)))))
