;; A P3-style callback: dispatch on the event code with a chain of
;; `if (event == K)` tests, as component lowering emits it. Seven cases are
;; below the measured br_table threshold (20), so `weft opt -O2` makes the
;; sequential ifs an early-exit compare chain; `-Os` makes one `br_table`.
(module
  (import "$root" "[context-get-0]" (func $ctx_get (result i32)))
  (import "[export]example:demo/run" "[task-return]run" (func $task_return (param i32)))
  (memory (export "memory") 1)
  (global $count (mut i32) (i32.const 0))
  (func $on_subtask (param i32 i32) (global.set $count (i32.add (global.get $count) (i32.const 1))))
  (func $on_stream (param i32 i32) (i32.store (local.get 0) (local.get 1)))
  (func $on_cancel (param i32 i32) (call $task_return (i32.const 0)))
  (func (export "[callback][async-lift]example:demo/run#run") (param $event i32) (param $p1 i32) (param $p2 i32) (result i32)
    (local $dead i32)
    (local.set $dead (i32.mul (local.get $p1) (i32.const 3)))
    (if (i32.eqz (local.get $event)) (then (return (i32.const 1))))
    (if (i32.eq (local.get $event) (i32.const 1)) (then (call $on_subtask (local.get $p1) (local.get $p2))))
    (if (i32.eq (local.get $event) (i32.const 2)) (then (call $on_stream (local.get $p1) (local.get $p2))))
    (if (i32.eq (local.get $event) (i32.const 3)) (then (call $on_stream (local.get $p1) (local.get $p2))))
    (if (i32.eq (local.get $event) (i32.const 4)) (then (call $on_subtask (local.get $p1) (local.get $p2))))
    (if (i32.eq (local.get $event) (i32.const 5)) (then (call $on_subtask (local.get $p1) (local.get $p2))))
    (if (i32.eq (local.get $event) (i32.const 6)) (then (call $on_cancel (local.get $p1) (local.get $p2)) (return (i32.const 0))))
    (i32.or (i32.shl (call $ctx_get) (i32.const 4)) (i32.const 2)))
)
