defmodule AlcoveTest do
  use ExUnit.Case

  test "fork, exec cat, talk to it over stdin and stdout" do
    {:ok, drv} = :alcove_drv.start()
    {:ok, child} = :alcove.fork(drv)
    :ok = :alcove.execvp(drv, [child], "/bin/cat", ["/bin/cat"])
    true = :alcove.stdin(drv, [child], "hello from elixir\n")
    assert :alcove.stdout(drv, [child]) == "hello from elixir\n"
    :ok = :alcove_drv.stop(drv)
  end
end
