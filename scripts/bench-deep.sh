#!/usr/bin/env bash
# Deep zoom against Fractalshades 1.2 (perturbation + BLA, numba + gmpy2), side by side in
# one run on this machine (issue 14), and faafo's 1080p frame at 1e-300:
#
#   a  1e-100 view, 1280×720, 50,000 iterations (centre of Fractalshades' test_M2_E213)
#   b  3.66e-32 view near a minibrot, 1280×720, 1,000,000 iterations (its
#      test_deep_interior_detect)
#   c  faafo only: 1920×1080 at 1e-300, 100,000 iterations, around the centre of
#      Fractalshades' example 23 (a 5e-433 minibrot) — target ≤ 2 s wall
#
# Same centre, width (between the first and last pixel centres), size and iteration limit
# on both; CPU time (user + system, all threads) of the reference orbit and the pixels,
# not of colouring or files. Fractalshades runs twice in one process and its second run
# is taken (numba compiles for seconds on the first); faafo runs twice and its second run
# is taken too (the pages of a first run). Target: faafo ≥ 5× less CPU on a and b.
#
# Fractalshades goes in a virtual environment (default ~/.cache/faafo/fractalshades-venv,
# ~700 MB with the PyQt6 it pulls; made once), built against Debian's GMP/MPFR/MPC headers
# (installed with apt-get when missing; root needed), with numpy < 2.4 (2.4 breaks its
# reference orbit code).
#
# Usage: scripts/bench-deep.sh [a|b|c ...]      (default: all; ~3 minutes after set-up)
#   VENV=dir      the virtual environment to use or make
#   PYTHON=path   the CPython that makes it (default python3)
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=${VENV:-${XDG_CACHE_HOME:-$HOME/.cache}/faafo/fractalshades-venv}
PYTHON=${PYTHON:-python3}
SCENES=("$@")
[ ${#SCENES[@]} -gt 0 ] || SCENES=(a b c)

A_X=0.3457038944654144866833131210461589365345969127365583349605956350254682999604514724727132714356570564538690262564
A_Y=-0.6458140479592750190183389181286286597972793149378090740398286460693614106550001619785992809936955641620645925337
B_X=-1.9072475829123560219806014933444037282313
B_Y=7.54605431570315771754553123674989535657416e-16
C_X=-1.999966194450370304184346885063505796755312415407248515117619229448015842423426843813761297788689138122870464065609498643538105757447721664856724960928039200970806596464697897247034380275662515774719795646696735873798312804539648952681115225456179242935106837745884878805854902169393836872097394050590046057699087967010196239765406551942511353248935870676912381954206583589473663772650104637785419392949872755058895530738089740079985776336454731048155381424443368009147832298545439060874543314328347318610344753331544040936498231198149727109
C_Y=0.0000000000000000000000000000000003001382436790938324072497303977592498734683119077333527017425728012047497561482358118564729928841407551922418650497818162547584808406226419681319987510966551024915920858367060072851094384239104512934585936736294083320495556911255641034741860247735534144716575799510702390797404223208558592193988956228128312647425358021104123150623316403610610181133505002078608735365638116235012859863602970282687765675758728641685358330772131661136113532338021950485899263595349420350880557330865130440135716258565997502285180701052571648187007997490077027

cpu() { # the cpu_s= of a deep_render summary line
    sed -n 's/.*cpu_s=\([0-9.]*\).*/\1/p'
}

faafo() { # center_x center_y scale width height iterations → prints the summary of run 2
    cargo bench -q -p faafo-engine --bench deep_render -- --center "$1,$2" --scale "$3" \
        --width "$4" --height "$5" --iterations "$6" --runs 2 | tail -1
}

need_venv() {
    if [ -x "$VENV/bin/python" ] && "$VENV/bin/python" -c 'import fractalshades' 2>/dev/null; then
        return
    fi
    if ! [ -e /usr/include/mpc.h ] || ! [ -e /usr/include/mpfr.h ]; then
        echo "installing GMP/MPFR/MPC headers for gmpy2…" >&2
        apt-get install -y -q libgmp-dev libmpfr-dev libmpc-dev >/dev/null
    fi
    echo "making $VENV with fractalshades 1.2 (once; several minutes)…" >&2
    "$PYTHON" -m venv "$VENV"
    "$VENV/bin/pip" install -q "fractalshades==1.2.*" "numpy<2.4"
}

fractalshades() { # x y dx nx ny max_iter → prints "fractalshades: cpu_s=… wall_s=…" of run 2
    "$VENV/bin/python" - "$@" <<'EOF'
import math, os, sys, tempfile, time
import fractalshades as fs
import fractalshades.models as fsm
import fractalshades.projection

x, y, dx, nx, ny, max_iter = sys.argv[1:7]
nx, ny, max_iter = int(nx), int(ny), int(max_iter)
digits = int(-math.log10(float(dx)) if float(dx) > 0 else 1000) + 20
with tempfile.TemporaryDirectory() as workdir:
    f = fsm.Perturbation_mandelbrot(workdir)
    f.zoom(precision=digits, x=x, y=y, dx=dx, nx=nx, xy_ratio=nx / ny, theta_deg=0.0,
           projection=fs.projection.Cartesian())
    f.calc_std_div(calc_name="c", subset=None, max_iter=max_iter, M_divergence=1000.0,
                   epsilon_stationnary=1e-3, BLA_eps=1e-6, interior_detect=False, calc_dzndc=False)
    for run in (1, 2):
        f.clean_up("c")
        t0, w0 = os.times(), time.perf_counter()
        f.calc_raw("c")
        t1, w1 = os.times(), time.perf_counter()
        cpu = sum(t1[:4]) - sum(t0[:4])
        print(f"fractalshades run {run}: cpu_s={cpu:.2f} wall_s={w1 - w0:.2f}", file=sys.stderr)
    print(f"fractalshades: cpu_s={cpu:.2f} wall_s={w1 - w0:.2f}")
EOF
}

echo "CPU: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2-) ($(nproc) cores)"
cargo build --profile bench -q -p faafo-engine --bench deep_render
for scene in "${SCENES[@]}"; do
    case $scene in
        a) args=("$A_X" "$A_Y" 1e-100 1280 720 50000) ;;
        b) args=("$B_X" "$B_Y" 3.660343578223062e-32 1280 720 1000000) ;;
        c) args=("$C_X" "$C_Y" 1e-300 1920 1080 100000) ;;
        *) echo "unknown scene '$scene' (a, b or c)" >&2; exit 2 ;;
    esac
    echo "== $scene: width ${args[2]}, ${args[3]}x${args[4]}, ${args[5]} iterations"
    ours=$(faafo "${args[@]}")
    echo "faafo   $ours"
    if [ "$scene" = c ]; then
        wall=$(sed -n 's/.*wall_s=\([0-9.]*\).*/\1/p' <<<"$ours")
        echo "        wall $wall s (target ≤ 2 s)"
        continue
    fi
    need_venv
    theirs=$(fractalshades "${args[@]}")
    echo "$theirs"
    awk -v a="$(cpu <<<"$ours")" -v b="$(cpu <<<"$theirs")" \
        'BEGIN { printf "        Fractalshades CPU / faafo CPU = %.1f× (target ≥ 5×)\n", b / a }'
done
