package main

import (
	"fmt"
	"strings"
)

// completionScript returns a completion script for shell. Commands come
// from the command table; each command's flags are read from its own -h
// output when completing, so the scripts never go stale.
func completionScript(shell string) string {
	var names []string
	for _, c := range commands() {
		names = append(names, c.name)
	}
	cmds := strings.Join(names, " ")
	switch shell {
	case "bash":
		return fmt.Sprintf(`# imgpipe bash completion: source <(imgpipe completion bash)
_imgpipe() {
    local cur=${COMP_WORDS[COMP_CWORD]}
    if [ "$COMP_CWORD" -eq 1 ]; then
        COMPREPLY=($(compgen -W "%s" -- "$cur"))
        return
    fi
    if [[ $cur == -* ]]; then
        local flags
        flags=$(imgpipe "${COMP_WORDS[1]}" -h 2>&1 | sed -n 's/^  \(-[a-z-]*\).*/-\1/p')
        COMPREPLY=($(compgen -W "$flags" -- "$cur"))
        return
    fi
    COMPREPLY=($(compgen -f -- "$cur"))
}
complete -o filenames -F _imgpipe imgpipe
`, cmds)
	case "zsh":
		return fmt.Sprintf(`#compdef imgpipe
# imgpipe zsh completion: imgpipe completion zsh > "${fpath[1]}/_imgpipe"
_imgpipe() {
    if (( CURRENT == 2 )); then
        compadd -- %s
        return
    fi
    if [[ $PREFIX == -* ]]; then
        compadd -- ${(f)"$(imgpipe $words[2] -h 2>&1 | sed -n 's/^  \(-[a-z-]*\).*/-\1/p')"}
        return
    fi
    _files
}
compdef _imgpipe imgpipe
`, cmds)
	default: // fish
		return fmt.Sprintf(`# imgpipe fish completion: imgpipe completion fish | source
complete -c imgpipe -f -n __fish_use_subcommand -a "%s"
complete -c imgpipe -n 'not __fish_use_subcommand' -a '(imgpipe (commandline -opc)[2] -h 2>&1 | sed -n "s/^  \(-[a-z-]*\).*/-\1/p")'
complete -c imgpipe -n 'not __fish_use_subcommand' -F
`, cmds)
	}
}
