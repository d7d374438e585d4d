# A tiny mix project using alcove from this checkout as a path dependency
# built by rebar3 (test/elixir/run.sh builds and tests it).
defmodule AlcoveElixir.MixProject do
  use Mix.Project

  def project do
    [
      app: :alcove_elixir,
      version: "0.1.0",
      elixir: "~> 1.14",
      deps: deps()
    ]
  end

  def application do
    [extra_applications: []]
  end

  defp deps do
    [{:alcove, path: "../..", manager: :rebar3}]
  end
end
