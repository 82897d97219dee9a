//! The picture area: turns pointer, wheel, touch and key input into view commands, and
//! paints the pictures it has, reprojected to the current view.
//!
//! Input is read and applied *before* painting in the same frame, so a wheel notch or a
//! drag shows on the very next frame: the last pictures are drawn at their new place and
//! size (a texture drawn into a different rectangle, no recomputation) while the worker
//! computes the new view.

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

/// Canvas state that lasts between frames.
#[derive(Debug, Default)]
pub struct CanvasState {
    /// Sub-pixel part of a drag not yet applied: pans move by whole physical pixels so
    /// the worker can copy pixels instead of computing them.
    drag_remainder: Vec2,
    /// Where a box-zoom drag started (screen points).
    box_start: Option<Pos2>,
}

/// What the canvas saw this frame besides commands.
#[derive(Debug, Default)]
pub struct CanvasOutput {
    /// Commands to apply before painting.
    pub commands: Vec<Command>,
    /// With Ctrl held over a Mandelbrot view: the point under the pointer and where it is.
    pub julia_hover: Option<(Complex64, Pos2)>,
}

/// Screen position (points) to the frame's continuous physical-pixel position.
pub fn to_px(rect: Rect, ppp: f32, pos: Pos2) -> [f64; 2] {
    [f64::from((pos.x - rect.min.x) * ppp), f64::from((pos.y - rect.min.y) * ppp)]
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
    let ppp = ui.ctx().pixels_per_point();
    let now = ui.input(|i| i.time);
    let mut view = frame.view;
    let mut continuous = false;
    let mut discrete = false;
    let at = |v: View| Frame { view: v, ..*frame };
    // Only when the canvas is the top layer under the pointer (not a window over it).
    let pointer = ui.input(|i| i.pointer.hover_pos()).filter(|_| ui.rect_contains_pointer(rect));
    let centre_px = [f64::from(frame.width) / 2.0, f64::from(frame.height) / 2.0];

    // Wheel and pinch: zoom about the pointer, event by event, so several notches in one
    // frame compose exactly.
    let (events, modifiers, multi_touch) = ui.input(|i| (i.events.clone(), i.modifiers, i.multi_touch()));
    if let Some(p) = pointer {
        let px = to_px(rect, ppp, p);
        for event in &events {
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
                view = at(view).zoom_at(px, factor);
                continuous = true;
            }
        }
    }
    // Touch screens: two fingers pinch and move.
    if let Some(touch) = multi_touch.filter(|t| t.num_touches >= 2 && rect.contains(t.center_pos)) {
        let px = to_px(rect, ppp, touch.center_pos);
        if touch.zoom_delta != 1.0 {
            view = at(view).zoom_at(px, f64::from(touch.zoom_delta));
        }
        let d = touch.translation_delta * ppp;
        view = at(view).panned(f64::from(d.x).round(), f64::from(d.y).round());
        continuous = true;
    }

    // Drags: primary pans, Shift+primary or secondary draws a box to zoom into.
    let boxing = |r: &egui::Response| r.dragged_by(PointerButton::Secondary) || (r.dragged() && modifiers.shift);
    if response.drag_started() && (boxing(response) || modifiers.shift) {
        // Where the button went down, not where the drag was recognised a few pixels on.
        state.box_start = ui.input(|i| i.pointer.press_origin()).or(response.interact_pointer_pos());
    }
    if let Some(start) = state.box_start {
        if response.drag_stopped() || !response.dragged() {
            if let Some(end) = response.interact_pointer_pos().or(pointer)
                && let Some(v) = at(view).fit_box(to_px(rect, ppp, start), to_px(rect, ppp, end))
            {
                view = v;
                discrete = true;
            }
            state.box_start = None;
        }
    } else if response.dragged_by(PointerButton::Primary) {
        let d = response.drag_delta() * ppp + state.drag_remainder;
        let whole = Vec2::new(d.x.round(), d.y.round());
        state.drag_remainder = d - whole;
        if whole != Vec2::ZERO {
            view = at(view).panned(f64::from(whole.x), f64::from(whole.y));
            continuous = true;
        }
    } else {
        state.drag_remainder = Vec2::ZERO;
    }

    // Clicks: double-click recentres; Ctrl-click on a Mandelbrot view picks Julia's c.
    if response.double_clicked()
        && let Some(p) = response.interact_pointer_pos()
    {
        view = at(view).recentred(to_px(rect, ppp, p));
        discrete = true;
    } else if response.clicked()
        && modifiers.command
        && mandelbrot
        && let Some(p) = response.interact_pointer_pos()
    {
        out.commands.push(Command::PickJulia(at(view).point_at(to_px(rect, ppp, p))));
    }
    if mandelbrot
        && modifiers.command
        && let Some(p) = pointer
    {
        out.julia_hover = Some((at(view).point_at(to_px(rect, ppp, p)), p));
    }

    // Keys, unless a text field has them.
    if !ui.ctx().egui_wants_keyboard_input() {
        let pressed = |k: Key| ui.input(|i| i.key_pressed(k));
        let step = (f64::from(frame.width.min(frame.height)) * ARROW_FRACTION).round();
        if pressed(Key::Plus) || pressed(Key::Equals) {
            view = at(view).zoom_at(centre_px, ZOOM_PER_KEY);
            discrete = true;
        }
        if pressed(Key::Minus) {
            view = at(view).zoom_at(centre_px, 1.0 / ZOOM_PER_KEY);
            discrete = true;
        }
        // Arrows move the view over the plane: the content moves the other way.
        for (key, dx, dy) in [
            (Key::ArrowLeft, step, 0.0),
            (Key::ArrowRight, -step, 0.0),
            (Key::ArrowUp, 0.0, step),
            (Key::ArrowDown, 0.0, -step),
        ] {
            if pressed(key) && !modifiers.alt {
                view = at(view).panned(dx, dy);
                discrete = true;
            }
        }
        if pressed(Key::R) && !modifiers.command {
            out.commands.push(Command::Reset);
        }
        if pressed(Key::Backspace) || (modifiers.alt && pressed(Key::ArrowLeft)) {
            out.commands.push(Command::Back);
        }
        if modifiers.alt && pressed(Key::ArrowRight) {
            out.commands.push(Command::Forward);
        }
    }
    // Ctrl+V anywhere outside a text field pastes a location.
    if !ui.ctx().egui_wants_keyboard_input() {
        for event in &events {
            if let Event::Paste(text) = event {
                out.commands.push(Command::PasteLocation(text.clone()));
            }
        }
    }

    if view != frame.view {
        let continuous_at = (continuous && !discrete).then_some(now);
        out.commands.insert(0, Command::SetView { view, continuous_at });
    }
    out
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
