//! The picture area: turns pointer, wheel, touch and key input into view commands, and
//! paints the pictures it has, reprojected to the current view.
//!
//! Input is read and applied *before* painting in the same frame, so a wheel notch or a
//! drag shows on the very next frame: the last pictures are drawn at their new place and
//! size (a texture drawn into a different rectangle, no recomputation) while the worker
//! computes the new view.
//!
//! **Flying** (XaoS's signature): while the middle button (or `Z`) is held the view zooms
//! in continuously toward the pointer, Shift+middle (or `X`) zooms out, at
//! [`CanvasState::fly_zoom_per_s`]; each frame zooms by `speed^dt`, so the speed is the
//! same at any frame rate, and the pictures follow as they do for the wheel.

use egui::{Color32, Event, Key, MouseWheelUnit, PointerButton, Pos2, Rect, Sense, Stroke, Vec2, pos2};
use faafo_engine::Complex64;

use crate::command::Command;
use crate::model::view::{Frame, Grid, View};
use crate::render::layer::Layer;

/// Zoom per wheel notch (one "line").
pub const ZOOM_PER_NOTCH: f64 = 1.25;
/// Zoom per +/− key press.
const ZOOM_PER_KEY: f64 = 1.5;
/// Wheel deltas in points (trackpads, smooth wheels) per notch.
const POINTS_PER_NOTCH: f32 = 50.0;
/// Arrow keys move the view by this fraction of the shorter side.
const ARROW_FRACTION: f64 = 0.1;
/// Default flying speed: magnification per second while the button is held.
pub const DEFAULT_FLY_ZOOM_PER_S: f64 = 4.0;
/// Slowest and fastest flying speeds offered (magnification per second).
pub const FLY_ZOOM_PER_S_RANGE: std::ops::RangeInclusive<f64> = 1.25..=200.0;
/// Longest frame a fly step accounts for: after a stall the view does not jump.
const FLY_MAX_DT_S: f64 = 0.1;
/// Key held to fly in (toward the pointer, or the centre when the pointer is elsewhere).
pub const FLY_IN_KEY: Key = Key::Z;
/// Key held to fly out.
pub const FLY_OUT_KEY: Key = Key::X;

/// Canvas state that lasts between frames.
#[derive(Debug)]
pub struct CanvasState {
    /// Sub-pixel part of a drag not yet applied: pans move by whole physical pixels so
    /// the worker can copy pixels instead of computing them.
    drag_remainder: Vec2,
    /// Where a box-zoom drag started (screen points).
    box_start: Option<Pos2>,
    /// Flying speed: magnification per second while flying in (its inverse flying out).
    pub fly_zoom_per_s: f64,
    /// Whether the pointer was over the canvas last frame (focus is taken on entering).
    hovered: bool,
}

impl Default for CanvasState {
    fn default() -> Self {
        Self { drag_remainder: Vec2::ZERO, box_start: None, fly_zoom_per_s: DEFAULT_FLY_ZOOM_PER_S, hovered: false }
    }
}

/// What the canvas saw this frame besides commands.
#[derive(Debug, Default)]
pub struct CanvasOutput {
    /// Commands to apply before painting.
    pub commands: Vec<Command>,
    /// With Ctrl held over a Mandelbrot view: the point under the pointer and where it is.
    pub julia_hover: Option<(Complex64, Pos2)>,
    /// The window should take the keyboard focus (the pointer entered the canvas, or it was
    /// pressed, while the window had none).
    pub window_focus: bool,
}

/// Screen position (points) to the frame's continuous physical-pixel position.
pub fn to_px(rect: Rect, ppp: f32, pos: Pos2) -> [f64; 2] {
    [f64::from((pos.x - rect.min.x) * ppp), f64::from((pos.y - rect.min.y) * ppp)]
}

/// What every input reader needs: where the canvas is and what this frame's input is.
struct Input<'a> {
    ui: &'a egui::Ui,
    rect: Rect,
    ppp: f32,
    frame: &'a Frame,
    /// Only when the canvas is the top layer under the pointer (not a window over it).
    pointer: Option<Pos2>,
    events: Vec<Event>,
    modifiers: egui::Modifiers,
}

/// The view as this frame's input moves it, and how it moved.
struct Motion {
    view: View,
    /// A gesture that goes on over frames (wheel, drag, pinch): groups history entries.
    continuous: bool,
    /// A one-off change (box, double-click, keys).
    discrete: bool,
}

impl Input<'_> {
    /// The canvas' frame at `view`.
    fn at(&self, view: &View) -> Frame {
        Frame { view: view.clone(), ..self.frame.clone() }
    }

    fn px(&self, pos: Pos2) -> [f64; 2] {
        to_px(self.rect, self.ppp, pos)
    }
}

/// Reads this frame's input for the canvas at `rect` showing `frame`.
pub fn canvas_input(
    ui: &egui::Ui,
    response: &egui::Response,
    rect: Rect,
    state: &mut CanvasState,
    frame: &Frame,
    mandelbrot: bool,
) -> CanvasOutput {
    let mut out = CanvasOutput::default();
    let (events, modifiers) = ui.input(|i| (i.events.clone(), i.modifiers));
    let pointer = ui.input(|i| i.pointer.hover_pos()).filter(|_| ui.rect_contains_pointer(rect));
    let input = Input { ui, rect, ppp: ui.ctx().pixels_per_point(), frame, pointer, events, modifiers };
    let mut m = Motion { view: frame.view.clone(), continuous: false, discrete: false };
    out.window_focus = take_focus(&input, response, state);
    wheel_and_pinch(&input, &mut m);
    fly(&input, state, &mut m);
    drag(&input, response, state, &mut m);
    clicks(&input, response, mandelbrot, &mut m, &mut out);
    // Keys and Ctrl+V (a location pasted anywhere), unless a text field has them.
    if !ui.ctx().egui_wants_keyboard_input() {
        keys(&input, &mut m, &mut out.commands);
        for event in &input.events {
            if let Event::Paste(text) = event {
                out.commands.push(Command::PasteLocation(text.clone()));
            }
        }
    }
    if m.view != frame.view {
        let now = ui.input(|i| i.time);
        let continuous_at = (m.continuous && !m.discrete).then_some(now);
        out.commands.insert(0, Command::SetView { view: m.view.clone(), continuous_at });
    }
    out
}

/// Wheel and pinch zoom about the pointer, event by event, so several notches in one
/// frame compose exactly; two fingers on a touch screen pinch and move.
fn wheel_and_pinch(input: &Input<'_>, m: &mut Motion) {
    if let Some(p) = input.pointer {
        let px = input.px(p);
        for event in &input.events {
            let factor = match event {
                Event::MouseWheel { unit, delta, .. } => {
                    let notches = match unit {
                        MouseWheelUnit::Line => delta.y,
                        MouseWheelUnit::Point => delta.y / POINTS_PER_NOTCH,
                        MouseWheelUnit::Page => delta.y * 4.0,
                    };
                    ZOOM_PER_NOTCH.powf(f64::from(notches))
                }
                Event::Zoom(f) => f64::from(*f),
                _ => continue,
            };
            if factor != 1.0 && factor.is_finite() && factor > 0.0 {
                m.view = input.at(&m.view).zoom_at(px, factor);
                m.continuous = true;
            }
        }
    }
    let multi_touch = input.ui.input(egui::InputState::multi_touch);
    if let Some(touch) = multi_touch.filter(|t| t.num_touches >= 2 && input.rect.contains(t.center_pos)) {
        let px = input.px(touch.center_pos);
        if touch.zoom_delta != 1.0 {
            m.view = input.at(&m.view).zoom_at(px, f64::from(touch.zoom_delta));
        }
        let d = touch.translation_delta * input.ppp;
        m.view = input.at(&m.view).panned(f64::from(d.x).round(), f64::from(d.y).round());
        m.continuous = true;
    }
}

/// Keyboard focus: the canvas' keys work whenever no text field has the keyboard, so a
/// click on the canvas takes it back from any widget; and the pointer entering the
/// canvas (or a click on it) asks for the window's focus when the window has none —
/// under an X server without a window manager the keys otherwise never reach the
/// explorer.
fn take_focus(input: &Input<'_>, response: &egui::Response, state: &mut CanvasState) -> bool {
    let hovered = input.pointer.is_some();
    let entered = hovered && !state.hovered;
    state.hovered = hovered;
    let ctx = input.ui.ctx();
    let pressed = response.clicked() || response.drag_started() || response.is_pointer_button_down_on();
    if pressed && let Some(focused) = ctx.memory(egui::Memory::focused) {
        ctx.memory_mut(|m| m.surrender_focus(focused));
    }
    let window_unfocused = ctx.input(|i| i.viewport().focused) == Some(false);
    let wanted = window_unfocused && (entered || pressed);
    if wanted {
        // Asks the window manager; without one the app sets the X focus itself.
        ctx.send_viewport_cmd(egui::ViewportCommand::Focus);
    }
    wanted
}

/// Which way the person is flying this frame: +1 in, −1 out, 0 not at all.
pub fn fly_direction(ui: &egui::Ui, pointer_on_canvas: bool) -> f64 {
    let (middle, shift) = ui.input(|i| (i.pointer.button_down(PointerButton::Middle), i.modifiers.shift));
    if middle && pointer_on_canvas {
        return if shift { -1.0 } else { 1.0 };
    }
    if ui.ctx().egui_wants_keyboard_input() {
        return 0.0;
    }
    let (in_key, out_key) = ui.input(|i| (i.key_down(FLY_IN_KEY), i.key_down(FLY_OUT_KEY)));
    match (in_key, out_key) {
        (true, false) => 1.0,
        (false, true) => -1.0,
        _ => 0.0,
    }
}

/// Hold-to-fly: zooms toward the pointer by `speed^(direction · dt)` this frame.
fn fly(input: &Input<'_>, state: &CanvasState, m: &mut Motion) {
    let direction = fly_direction(input.ui, input.pointer.is_some());
    if direction == 0.0 {
        return;
    }
    let dt = f64::from(input.ui.input(|i| i.unstable_dt)).clamp(0.0, FLY_MAX_DT_S);
    let speed = state.fly_zoom_per_s.clamp(*FLY_ZOOM_PER_S_RANGE.start(), *FLY_ZOOM_PER_S_RANGE.end());
    let px = input
        .pointer
        .map_or([f64::from(input.frame.width) / 2.0, f64::from(input.frame.height) / 2.0], |p| input.px(p));
    let factor = speed.powf(direction * dt);
    if factor.is_finite() && factor > 0.0 && factor != 1.0 {
        m.view = input.at(&m.view).zoom_at(px, factor);
        m.continuous = true;
    }
    // Keep frames coming while the hand holds still: no input events arrive meanwhile.
    input.ui.ctx().request_repaint();
}

/// Drags: primary pans by whole physical pixels, Shift+primary or secondary draws a box
/// to zoom into.
fn drag(input: &Input<'_>, response: &egui::Response, state: &mut CanvasState, m: &mut Motion) {
    let shift = input.modifiers.shift;
    // Shift+middle is flying out, not a box: only the primary button draws one with Shift.
    let boxing =
        |r: &egui::Response| r.dragged_by(PointerButton::Secondary) || (r.dragged_by(PointerButton::Primary) && shift);
    if response.drag_started() && boxing(response) {
        // Where the button went down, not where the drag was recognised a few pixels on.
        state.box_start = input.ui.input(|i| i.pointer.press_origin()).or(response.interact_pointer_pos());
    }
    if let Some(start) = state.box_start {
        if response.drag_stopped() || !response.dragged() {
            if let Some(end) = response.interact_pointer_pos().or(input.pointer)
                && let Some(v) = input.at(&m.view).fit_box(input.px(start), input.px(end))
            {
                m.view = v;
                m.discrete = true;
            }
            state.box_start = None;
        }
    } else if response.dragged_by(PointerButton::Primary) {
        let d = response.drag_delta() * input.ppp + state.drag_remainder;
        let whole = Vec2::new(d.x.round(), d.y.round());
        state.drag_remainder = d - whole;
        if whole != Vec2::ZERO {
            m.view = input.at(&m.view).panned(f64::from(whole.x), f64::from(whole.y));
            m.continuous = true;
        }
    } else {
        state.drag_remainder = Vec2::ZERO;
    }
}

/// Clicks: double-click recentres; Ctrl-click on a Mandelbrot view picks Julia's c, and
/// Ctrl held over it previews that Julia set.
fn clicks(input: &Input<'_>, response: &egui::Response, mandelbrot: bool, m: &mut Motion, out: &mut CanvasOutput) {
    let command = input.modifiers.command;
    if response.double_clicked()
        && let Some(p) = response.interact_pointer_pos()
    {
        m.view = input.at(&m.view).recentred(input.px(p));
        m.discrete = true;
    } else if response.clicked()
        && command
        && mandelbrot
        && let Some(p) = response.interact_pointer_pos()
    {
        out.commands.push(Command::PickJulia(input.at(&m.view).point_at(input.px(p))));
    }
    if mandelbrot
        && command
        && let Some(p) = input.pointer
    {
        out.julia_hover = Some((input.at(&m.view).point_at(input.px(p)), p));
    }
}

/// Keys: + and − zoom about the centre, arrows pan, R resets, Backspace and Alt+arrows
/// go through history.
fn keys(input: &Input<'_>, m: &mut Motion, commands: &mut Vec<Command>) {
    let pressed = |k: Key| input.ui.input(|i| i.key_pressed(k));
    let (frame, modifiers) = (input.frame, input.modifiers);
    let centre_px = [f64::from(frame.width) / 2.0, f64::from(frame.height) / 2.0];
    let step = (f64::from(frame.width.min(frame.height)) * ARROW_FRACTION).round();
    if pressed(Key::Plus) || pressed(Key::Equals) {
        m.view = input.at(&m.view).zoom_at(centre_px, ZOOM_PER_KEY);
        m.discrete = true;
    }
    if pressed(Key::Minus) {
        m.view = input.at(&m.view).zoom_at(centre_px, 1.0 / ZOOM_PER_KEY);
        m.discrete = true;
    }
    // Arrows move the view over the plane: the content moves the other way.
    for (key, dx, dy) in [
        (Key::ArrowLeft, step, 0.0),
        (Key::ArrowRight, -step, 0.0),
        (Key::ArrowUp, 0.0, step),
        (Key::ArrowDown, 0.0, -step),
    ] {
        if pressed(key) && !modifiers.alt {
            m.view = input.at(&m.view).panned(dx, dy);
            m.discrete = true;
        }
    }
    if pressed(Key::R) && !modifiers.command {
        commands.push(Command::Reset);
    }
    if pressed(Key::Backspace) || (modifiers.alt && pressed(Key::ArrowLeft)) {
        commands.push(Command::Back);
    }
    if modifiers.alt && pressed(Key::ArrowRight) {
        commands.push(Command::Forward);
    }
}

/// Allocates the canvas in `ui` (the whole remaining area).
pub fn allocate(ui: &mut egui::Ui) -> (Rect, egui::Response) {
    let rect = ui.max_rect();
    let response = ui.allocate_rect(rect, Sense::click_and_drag());
    (rect, response)
}

/// Paints `layers` (oldest first) reprojected onto `current`, and the box being drawn.
pub fn paint(ui: &egui::Ui, rect: Rect, current: &Grid, layers: &[&Layer], state: &CanvasState) {
    let painter = ui.painter_at(rect);
    let ppp = ui.ctx().pixels_per_point();
    painter.rect_filled(rect, 0.0, Color32::from_gray(12));
    let uv = Rect::from_min_max(pos2(0.0, 0.0), pos2(1.0, 1.0));
    for layer in layers {
        let [l, t, r, b] = layer.grid.placement_in(current);
        // Far off screen or magnified beyond use: skip rather than draw a giant quad.
        if !(l < f64::from(rect.width() * ppp) * 2.0 && r > -f64::from(rect.width() * ppp) && r - l < 1e6) {
            continue;
        }
        let to_pt = |x: f64, y: f64| pos2(rect.min.x + x as f32 / ppp, rect.min.y + y as f32 / ppp);
        painter.image(layer.texture.id(), Rect::from_min_max(to_pt(l, t), to_pt(r, b)), uv, Color32::WHITE);
    }
    if let (Some(start), Some(now)) = (state.box_start, ui.input(|i| i.pointer.hover_pos())) {
        let r = Rect::from_two_pos(start, now);
        painter.rect_stroke(r, 0.0, Stroke::new(1.5, Color32::WHITE), egui::StrokeKind::Middle);
        painter.rect_stroke(r.expand(1.5), 0.0, Stroke::new(1.0, Color32::BLACK), egui::StrokeKind::Middle);
    }
}
