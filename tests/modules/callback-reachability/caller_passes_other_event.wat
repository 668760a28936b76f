;; The module itself calls its callback with STREAM_WRITE (3), which its
;; imports do not allow: the event set does not hold for every call, so
;; the pass declines the callback and names the caller.
;; test module-pass callback-reachability, module-dce
;; changed: nothing
;; removed: nothing
;; note: declined: function 3 (`drive`) calls it with event ∈ {0, 3}, not within {none (0), task-cancelled (6)}
(module
  (global $acc (export "acc") (mut i32) (i32.const 0))
  (func $on (param i32 i32) (global.set $acc (i32.add (global.get $acc) (i32.mul (local.get 0) (local.get 1)))))
  (func $callback (export "[callback][async-lift]t#f") (param $event i32) (param $p1 i32) (param $p2 i32) (result i32)
    (if (i32.eq (local.get $event) (i32.const 3)) (then (call $on (i32.const 3) (local.get $p1))))
    (if (i32.eq (local.get $event) (i32.const 6)) (then (call $on (i32.const 6) (local.get $p2))))
    (global.get $acc))
  (func $unused_entry (export "[async-lift]t#f") (result i32) (i32.const 0))
  (func $drive (export "drive") (param $k i32) (result i32)
    (call $callback (select (i32.const 3) (i32.const 0) (local.get $k)) (local.get $k) (i32.const 7))))
