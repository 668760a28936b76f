;; The flag lives at 1024; an export stores at an address it is given, which
;; may be the flag's: not a candidate.
;; test module-pass init-constprop
;; removed: nothing
;; changed: nothing
;; note: i32 cell mem0[1024..1028]: not a candidate: fn1 (`poke`) may write it
(module
  (memory (export "memory") 1)
  (func (export "_initialize") (i32.store (i32.const 1024) (i32.const 0)))
  (func $poke (export "poke") (param i32) (i32.store (local.get 0) (i32.const 1)))
  (func (export "entry") (param i32) (result i32)
    (if (result i32) (i32.load (i32.const 1024)) (then (i32.const -1)) (else (local.get 0)))))
