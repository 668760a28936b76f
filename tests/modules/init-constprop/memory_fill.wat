;; An export clears 64 bytes from 1000 with `memory.fill`, the flag at 1024
;; among them: not a candidate.
;; test module-pass init-constprop
;; removed: nothing
;; changed: nothing
;; note: i32 cell mem0[1024..1028]: not a candidate: fn1 (`reset`) may write it: `memory.fill
(module
  (memory (export "memory") 1)
  (func (export "_initialize") (i32.store (i32.const 1024) (i32.const 0)))
  (func $reset (export "reset") (memory.fill (i32.const 1000) (i32.const 1) (i32.const 64)))
  (func (export "entry") (param i32) (result i32)
    (if (result i32) (i32.load (i32.const 1024)) (then (i32.const -1)) (else (local.get 0)))))
