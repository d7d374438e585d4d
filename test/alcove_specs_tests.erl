%%% Every exported function of the library has a type spec.
-module(alcove_specs_tests).

-include_lib("eunit/include/eunit.hrl").

specs_test_() ->
    [{atom_to_list(M), ?_assertEqual({M, []}, {M, unspecified(M)})}
     || M <- [alcove, alcove_drv, alcove_codec, alcove_cgroup, alcove_proto]].

unspecified(Module) ->
    {ok, {Module, [{abstract_code, {raw_abstract_v1, Forms}}]}} =
        beam_lib:chunks(code:which(Module), [abstract_code]),
    Specs = [FA || {attribute, _, spec, {FA, _}} <- Forms],
    Module:module_info(exports) -- [{module_info, 0}, {module_info, 1} | Specs].
